"""PC/SC smart card reader: member cards and staff cards."""
