/**
 * Interoperability with other frameworks' files: jrnn model files ({@link dev.jrnn.interop.ModelFiles}:
 * a PyTorch {@code state_dict} under PyTorch's names plus the constructor configuration in
 * safetensors metadata, loadable by PyTorch with {@code load_state_dict}) and importers of Keras/TF2
 * recurrent-layer weights ({@link dev.jrnn.interop.KerasImport}). Pure file formats live in
 * {@code dev.jrnn.io}; this package adds what needs the layers. It depends on {@code dev.jrnn.nn},
 * {@code dev.jrnn.io} and {@code dev.jrnn.tensor}; nothing in jrnn depends on it.
 */
package dev.jrnn.interop;
