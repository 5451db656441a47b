"""Multi-layer perceptrons (lesson 5): Linear layers with activations between them."""

from .layers import Linear, Softmax, Tanh
from .net import Net


def make_mlp(sizes, activation=Tanh, softmax=True):
    """A multi-layer perceptron: Linear layers of the given sizes with activations between them.

    sizes      -- [inputs, hidden_1, ..., outputs], at least two numbers
    activation -- an activation layer class (Tanh, ReLU, Sigmoid), or None for none
    softmax    -- end with Softmax (classification) or with the last Linear (regression)
    """
    ### BEGIN SOLUTION
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"make_mlp needs at least an input and an output size, got sizes={sizes}; "
                         "for example make_mlp([2, 8, 3]).")
    net = Net()
    n_linear = len(sizes) - 1
    for index in range(n_linear):
        net.add(Linear(sizes[index], sizes[index + 1]))
        if activation is not None and index < n_linear - 1:
            net.add(activation())  # a fresh object per layer: each caches its own input
    if softmax:
        net.add(Softmax())
    return net
    ### END SOLUTION
