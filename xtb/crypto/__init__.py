"""Pure-Python cryptography the simulators need: the Goldilocks field and its quintic extension
(`field`), Poseidon2 (`poseidon2`), the ECgFp5 group (`ecgfp5`) and Schnorr signatures over it
(`schnorr`), exactly as Lighter's signer defines them."""
