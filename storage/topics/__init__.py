"""The learned topic model's adapters: a scikit-learn classifier, kept fresh from the database."""
