"""Result: AnalysisResult's JSON schema, read-only views of stored results, exports."""
