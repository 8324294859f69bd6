"""Learned credit scorecards (评分卡): optbinning bins → logistic fit → an ordinary model spec (issue 17)."""
