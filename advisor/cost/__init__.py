"""Cost model: QueryLog + PriceCatalog + Config -> Baseline (API, infrastructure, operations); scenarios."""
