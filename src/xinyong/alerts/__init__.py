"""Risk early warning (信用风险预警): watchlists (a pilot's roster, a whitelist, a bank's borrowers),
alert rules as YAML data (alerts/rules.yaml: CEL over ingested records and subject facts), alerts
grouped per subject and day, whitelist suspension pending review, scheduled scans and pushes.
See docs/alerts.md."""
