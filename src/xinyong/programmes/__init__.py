"""District programmes (试点方案): one YAML file per district under programmes/, validated on load.

A 17th district is a 17th YAML file; no Python changes."""
