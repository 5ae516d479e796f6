package dev.jrnn.io;

import java.io.IOException;

/**
 * A safetensors file (or byte array, or stream) is malformed. The message says what is wrong and
 * where: a byte offset in the file, or the name of the tensor whose header entry is at fault.
 */
public final class SafetensorsFormatException extends IOException {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong and where */
    public SafetensorsFormatException(String message) {
        super(message);
    }
}
