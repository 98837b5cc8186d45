"""The bootstrapping experiment: a base model trained from scratch on scenes (M0), the OURO
pipeline on top of it, M1 = M0 + LoRA on that data, and M0 vs M1 on held-out scenes."""
