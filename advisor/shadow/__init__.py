"""Shadow labels without a network: a log -> provider batch request files for candidate models
and an LLM judge; the providers' batch output files -> a routing labels file.

advisor writes files and reads files; the user submits the batches with their own keys.
Workflow and formats: docs/shadow-labels.md.
"""
