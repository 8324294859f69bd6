"""Tiered supervision (分级分类监管): schemes mapping grade (+ venue type / risk class) to tiers."""
