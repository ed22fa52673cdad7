// Placeholder: encryption at rest (issue 9) — master key providers, KEK/DEK hierarchy,
// wrapped-key store and the batch sealer — is being built in this target.
