"""The case file (案卷, 一户一档, DOMAIN §8): one PDF per case with every part of the record,
a cover and a table of contents, and the uploaded scans appended as pages."""
