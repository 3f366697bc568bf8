"""Notices to staff: by email, that there is new activity, in digests on a fixed schedule."""
