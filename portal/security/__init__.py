"""Security primitives: A-number handling, blind index, field encryption, Argon2id hashing."""
