"""What an imported row matches in the ledger: duplicates, transfers between own accounts, content fingerprints."""
