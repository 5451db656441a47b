"""A network is a list of layers applied in order."""

from __future__ import annotations

import numpy as np

from .layers import Layer, Linear


class Net:
    """Build it empty and ``add`` layers (as upstream), or pass them: ``Net(Linear(2, 3), Tanh())``."""

    def __init__(self, *layers: Layer) -> None:
        if len(layers) == 1 and isinstance(layers[0], (list, tuple)):
            layers = tuple(layers[0])
        self.layers: list[Layer] = []
        for layer in layers:
            self.add(layer)

    def add(self, layer: Layer) -> Net:
        if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None))):
            raise TypeError(f"Net.add expects a layer with forward and backward methods, got {layer!r}.")
        self.layers.append(layer)
        return self

    def forward(self, x: np.ndarray) -> np.ndarray:
        for index, layer in enumerate(self.layers):
            try:
                x = layer.forward(x)
            except ValueError as error:
                raise ValueError(f"layer {index} of the Net, {layer!r}: {error}") from error
        return x

    def backward(self, grad: np.ndarray) -> np.ndarray | None:
        last = len(self.layers) - 1
        for index in range(last, -1, -1):
            layer = self.layers[index]
            if index == 0 and isinstance(layer, Linear):
                # Nobody needs d loss / d input data: skip that matmul.
                return layer.backward(grad, input_grad=False)
            grad = layer.backward(grad)
        return grad

    def parameters(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.gradients()]

    def update(self, lr: float) -> None:
        for layer in self.layers:
            layer.update(lr)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """The most likely class of each row of ``x``."""
        return self.forward(x).argmax(axis=1)

    def __repr__(self) -> str:
        return "Net(" + ", ".join(map(repr, self.layers)) + ")"
