"""Public lookup (一扫可查): registry search, the public credit card per subject, QR codes and
printable sticker sheets. Everything here is rendered for the anonymous public viewer."""
