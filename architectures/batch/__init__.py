"""Batch scoring (processamento em batch): a nightly job that scores the next day's scheduled flights."""
