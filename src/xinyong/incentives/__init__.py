"""信易+ incentives: scenarios, benefits with reasons, benefit use, and the individual credit score."""
