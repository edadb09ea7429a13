"""tui-cnn: see inside a convolutional neural network from your terminal."""

__version__ = "0.1.0"
