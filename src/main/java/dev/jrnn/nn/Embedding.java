package dev.jrnn.nn;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * A lookup table, PyTorch's {@code nn.Embedding(num_embeddings, embedding_dim, padding_idx=None)}:
 * row {@code i} of {@code weight} is the vector of index {@code i}.
 *
 * <p><b>Parameters.</b> {@code weight} {@code (num_embeddings, embedding_dim)}, initialised N(0, 1);
 * with a {@code padding_idx} that row is zeroed at construction and never receives a gradient (so it
 * stays zero under any optimizer without weight decay, as in torch).
 *
 * <p><b>Shapes.</b> indices of any shape {@code (*)} (given as a flat {@code int[]} plus a shape), output
 * {@code (*, embedding_dim)}.
 *
 * <p>Thread safety: concurrent forwards are safe; backward writes the gradient.
 */
public final class Embedding extends Module {

    private final int numEmbeddings;
    private final int embeddingDim;
    private final int paddingIdx;       // in [0, num_embeddings), meaningful only if hasPadding
    private final boolean hasPadding;
    private final Parameter weight;     // (num_embeddings, embedding_dim)

    /** An embedding without padding index, initialised from {@code generator} (advanced). */
    public Embedding(int numEmbeddings, int embeddingDim, Generator generator) {
        this(numEmbeddings, embeddingDim, false, 0, generator);
    }

    /**
     * An embedding whose row {@code paddingIdx} is zero and gets no gradient.
     *
     * @param numEmbeddings {@code >= 1}
     * @param embeddingDim {@code >= 1}
     * @param paddingIdx in {@code [−num_embeddings, num_embeddings)}; negative counts from the end, as in torch
     * @param generator draws the weight; modified (advanced)
     * @throws IllegalArgumentException for sizes below 1 or a padding index out of range
     */
    public Embedding(int numEmbeddings, int embeddingDim, int paddingIdx, Generator generator) {
        this(numEmbeddings, embeddingDim, true, paddingIdx, generator);
    }

    private Embedding(int numEmbeddings, int embeddingDim, boolean hasPadding, int paddingIdx, Generator generator) {
        if (numEmbeddings < 1 || embeddingDim < 1) {
            throw new IllegalArgumentException("Embedding: num_embeddings and embedding_dim must be >= 1, got "
                    + numEmbeddings + " and " + embeddingDim);
        }
        if (hasPadding && (paddingIdx < -numEmbeddings || paddingIdx >= numEmbeddings)) {
            throw new IllegalArgumentException("Padding_idx must be within num_embeddings [" + -numEmbeddings + ", "
                    + numEmbeddings + "), got " + paddingIdx);
        }
        Objects.requireNonNull(generator, "generator");
        this.numEmbeddings = numEmbeddings;
        this.embeddingDim = embeddingDim;
        this.hasPadding = hasPadding;
        this.paddingIdx = paddingIdx < 0 ? paddingIdx + numEmbeddings : paddingIdx;
        Tensor w = Tensor.normal(generator, 0f, 1f, numEmbeddings, embeddingDim);
        if (hasPadding) {
            w.select(0, this.paddingIdx).zeroInPlace();
        }
        this.weight = register("weight", w);
    }

    /** {@return num_embeddings} */
    public int numEmbeddings() {
        return numEmbeddings;
    }

    /** {@return embedding_dim} */
    public int embeddingDim() {
        return embeddingDim;
    }

    /**
     * {@return the rows of {@code weight} for {@code indices}, shape {@code (shape..., embedding_dim)}}
     *
     * @param indices row-major indices in {@code [0, num_embeddings)}; not modified
     * @param shape the indices' shape, e.g. {@code (L, N)}; its product is {@code indices.length}
     * @throws IllegalArgumentException for an index out of range or a shape that does not fit
     */
    public Tensor forward(int[] indices, int... shape) {
        checkIndices(indices, shape);
        Tensor out = Tensor.zeros(indices.length, embeddingDim);
        Tensor w = weight.data();
        for (int i = 0; i < indices.length; i++) {
            out.select(0, i).copyFromInPlace(w.select(0, indices[i]));   // O(N·dim), not O(num_embeddings·dim)
        }
        return out.view(outShape(shape));
    }

    /**
     * Backward of {@link #forward}: adds each row of {@code gradOutput} into {@code weight.grad} at its
     * index (repeated indices add up), except at {@code padding_idx}.
     *
     * @param indices the forward's indices; not modified
     * @param gradOutput {@code (shape..., embedding_dim)}; not modified
     * @throws IllegalArgumentException if the shapes do not match
     */
    public void backward(int[] indices, Tensor gradOutput) {
        Objects.requireNonNull(gradOutput, "gradOutput");
        int[] shape = Arrays.copyOf(gradOutput.shape(), Math.max(gradOutput.dim() - 1, 0));
        if (gradOutput.dim() < 1 || gradOutput.size(-1) != embeddingDim) {
            throw new IllegalArgumentException("Embedding.backward: Expected gradOutput of shape (*, " + embeddingDim
                    + "), got " + gradOutput.shapeString());
        }
        checkIndices(indices, shape);
        Tensor g = gradOutput.reshape(indices.length, embeddingDim);
        Tensor grad = weight.grad();
        for (int i = 0; i < indices.length; i++) {
            if (!(hasPadding && indices[i] == paddingIdx)) {
                grad.select(0, indices[i]).addInPlace(g.select(0, i));   // only the rows used
            }
        }
    }

    private void checkIndices(int[] indices, int[] shape) {
        Objects.requireNonNull(indices, "indices");
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        if (n != indices.length) {
            throw new IllegalArgumentException("Embedding: " + indices.length + " indices do not fill the shape "
                    + Arrays.toString(shape));
        }
        for (int i = 0; i < indices.length; i++) {
            if (indices[i] < 0 || indices[i] >= numEmbeddings) {
                throw new IllegalArgumentException("Embedding: index " + indices[i] + " at position " + i
                        + " is out of range [0, " + numEmbeddings + ")");
            }
        }
    }

    private int[] outShape(int[] shape) {
        int[] s = Arrays.copyOf(shape, shape.length + 1);
        s[shape.length] = embeddingDim;
        return s;
    }

    @Override
    public String toString() {
        return "Embedding(" + numEmbeddings + ", " + embeddingDim + (hasPadding ? ", padding_idx=" + paddingIdx : "") + ")";
    }
}
