"""Forms to sign (统一行政文书, seed 002): pre-filled from the case, printed, signed by the
household and the township, and matched back to their case when the signed scan comes in."""
