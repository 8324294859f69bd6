"""Credit archive (信用档案, 一户一档): one subject's records as of a date, filtered by the viewer."""
