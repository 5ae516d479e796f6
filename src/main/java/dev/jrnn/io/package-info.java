/**
 * Reading and writing tensors in the safetensors format, with zero dependencies: {@link
 * dev.jrnn.io.Safetensors#read(java.nio.file.Path) Safetensors.read} validates a file (strictly:
 * every malformed input is a {@link dev.jrnn.io.SafetensorsFormatException} that says what is
 * wrong and where) into a {@link dev.jrnn.io.SafetensorsFile}, and {@link
 * dev.jrnn.io.SafetensorsWriter} writes one atomically. Keys are PyTorch {@code state_dict} names,
 * so files written by {@code safetensors.torch.save_file} load without renaming. This package
 * depends only on {@code dev.jrnn.tensor} and {@code java.base}.
 */
package dev.jrnn.io;
