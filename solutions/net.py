"""A network is a list of layers applied in order (lesson 4)."""


class Net:
    """Layers applied one after the other: Net(Linear(2, 8), Tanh(), ...) or Net() then add(...)."""

    def __init__(self, *layers):
        ### BEGIN SOLUTION
        self.layers = []
        for layer in layers:
            self.add(layer)
        ### END SOLUTION

    def add(self, layer):
        ### BEGIN SOLUTION
        if isinstance(layer, type):
            raise TypeError(f"Net.add got the class {layer.__name__}; pass an instance: "
                            f"{layer.__name__}(...) with parentheses.")
        if not (callable(getattr(layer, "forward", None)) and callable(getattr(layer, "backward", None))):
            raise TypeError(f"Net.add expects a layer with forward and backward methods, got {layer!r}.")
        self.layers.append(layer)
        return self
        ### END SOLUTION

    def forward(self, x):
        """The output of the last layer after applying every layer in order."""
        ### BEGIN SOLUTION
        for layer in self.layers:
            x = layer.forward(x)
        return x
        ### END SOLUTION

    def backward(self, grad):
        """Backpropagate dL/d(output) through the layers in reverse; return dL/d(input).

        (None when the first layer skips it: a first Linear with input_grad = False.)
        """
        ### BEGIN SOLUTION
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad
        ### END SOLUTION

    def update(self, lr):
        """One gradient-descent step for every layer: parameter <- parameter - lr * gradient."""
        ### BEGIN SOLUTION
        for layer in self.layers:
            layer.update(lr)
        ### END SOLUTION

    def predict(self, x):
        """The most likely class of each row of x (for plots and accuracies)."""
        return self.forward(x).argmax(axis=1)

    def parameters(self):
        return [param for layer in self.layers for param in layer.parameters()]

    def gradients(self):
        return [grad for layer in self.layers for grad in layer.gradients()]

    def __repr__(self):
        return "Net(" + ", ".join(repr(layer) for layer in self.layers) + ")"
