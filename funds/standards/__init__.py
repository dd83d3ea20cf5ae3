"""Money standards in force and the amount calculators: the low part of funds that cases
uses (cases -> funds.standards); the rest of funds sits above cases."""
