"""The vision arm: ResNet-18 pretraining and fine-tuning on MNIST-5k, CIFAR-100 and SVHN across initialisation grids."""
