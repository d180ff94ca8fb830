"""The dependency audit: advisory data, the scanners that read it, and the policy that decides."""
