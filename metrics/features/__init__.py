"""Feature extractors of the t2i metrics (CLIP, DINO, CSD) from local weights, and their cache."""
