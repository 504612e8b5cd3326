"""The learned router: features, classifier, fitting, metrics, learning curve, domain check, shipped model."""
