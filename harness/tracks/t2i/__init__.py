"""Track `t2i`: continual customization of a text-to-image diffusion model, one concept per task.

One track, two kinds of data source (`data.source`): the embedded digit benches (concepts and
styles of scikit-learn digits, scored by judge classifiers) and the concept folders of
benchmarks/concepts (faces, landmarks, objects, styles; scored with CLIP/DINO/CSD features).
"""
