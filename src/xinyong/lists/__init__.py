"""Credit lists (信用名单): docs/lists.md."""
