"""The model, data, training, activations and the convolution/pooling arithmetic; no UI imports here."""

import os

# TensorFlow prints C++ start-up chatter (CUDA probes, CPU feature notes) that means nothing to a
# terminal user; it must be silenced before TensorFlow is first imported, which happens lazily.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
