"""信易贷 matching: financing needs, whitelists (rule + manual review) pushed to banks, bank outcomes."""
