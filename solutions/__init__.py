"""The answer key: every piece of solution code of the course, once.

The source notebooks' answer and recap cells are generated from these files
(``python -m instructor build``); lines between ``### BEGIN SOLUTION`` and ``### END SOLUTION``
are what students write. Instructors and tests only: nothing here ships to students.

One concept per file, in the order the course teaches them: ``checks`` (provided input checks),
``losses`` (lesson 1; classes in lessons 4-5), ``gradient_descent`` and ``perceptron`` (lesson 2),
``layers`` (lessons 3-4), ``gradient_check`` (lesson 3), ``net`` and ``training`` (lessons 4-5),
``mlp`` (lesson 5), ``mnist_lab`` (the lab's helpers).
"""

from .gradient_check import numerical_gradient, relative_error
from .gradient_descent import gradient_descent_step, iterate_minibatches
from .layers import Layer, Linear, ReLU, Sigmoid, Softmax, Tanh
from .losses import (
                     CrossEntropyLoss,
                     SquaredErrorLoss,
                     absolute_error,
                     absolute_error_grad,
                     cross_entropy,
                     logistic_loss,
                     softmax,
                     squared_error,
                     squared_error_grad,
                     zero_one_loss,
)
from .mlp import make_mlp
from .net import Net
from .perceptron import perceptron_forward, perceptron_gradients, predict_classes, train_perceptron
from .training import best_epoch, fit, get_loss_acc, train_epoch

__all__ = [
    "CrossEntropyLoss", "Layer", "Linear", "Net", "ReLU", "Sigmoid", "Softmax", "SquaredErrorLoss",
    "Tanh", "absolute_error", "absolute_error_grad", "best_epoch", "cross_entropy", "fit",
    "get_loss_acc", "gradient_descent_step", "iterate_minibatches", "logistic_loss", "make_mlp",
    "numerical_gradient", "perceptron_forward", "perceptron_gradients", "predict_classes",
    "relative_error", "softmax", "squared_error", "squared_error_grad", "train_epoch",
    "train_perceptron", "zero_one_loss",
]
