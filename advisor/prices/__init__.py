"""Prices: Config (+ override file) -> PriceCatalog (genai-prices, user overrides)."""
