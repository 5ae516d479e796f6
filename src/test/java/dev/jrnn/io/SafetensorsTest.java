package dev.jrnn.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.io.SafetensorsFile.Dtype;
import dev.jrnn.tensor.Tensor;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The reader: valid files, dtype conversions, and every malformed case with its message. */
class SafetensorsTest {

    @TempDir
    Path dir;

    // ---------------------------------------------------------------- helpers

    /** 8-byte little-endian length + header bytes + data. */
    static byte[] file(byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(header.length).put(header).put(data).array();
    }

    static byte[] file(String headerJson, byte[] data) {
        return file(headerJson.getBytes(StandardCharsets.UTF_8), data);
    }

    static byte[] rawLength(long n, int followingBytes) {
        return ByteBuffer.allocate(8 + followingBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array();
    }

    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    static byte[] f64(double... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            b.putDouble(x);
        }
        return b.array();
    }

    static byte[] i64(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }

    static byte[] u16(int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putShort((short) x);
        }
        return b.array();
    }

    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":["
                + begin + "," + end + "]}";
    }

    /** Reads the same bytes from a byte array, a stream and a file; all three must agree. */
    SafetensorsFile readAllWays(byte[] bytes) throws IOException {
        SafetensorsFile a = Safetensors.read(bytes);
        SafetensorsFile b = Safetensors.read(new ByteArrayInputStream(bytes));
        Path p = Files.write(dir.resolve("t.safetensors"), bytes);
        SafetensorsFile c = Safetensors.read(p);
        assertThat(b.toString()).isEqualTo(a.toString());
        assertThat(c.toString()).isEqualTo(a.toString());
        for (String n : a.names()) {
            if (a.dtype(n).isFloatingPoint()) {
                assertThat(b.floats(n)).isEqualTo(a.floats(n));
                assertThat(c.floats(n)).isEqualTo(a.floats(n));
            } else {
                assertThat(b.longs(n)).isEqualTo(a.longs(n));
                assertThat(c.longs(n)).isEqualTo(a.longs(n));
            }
        }
        return a;
    }

    /** Asserts that a byte array, a stream and a file are all rejected with {@code fragment} in the message. */
    void assertRejected(byte[] bytes, String fragment) throws IOException {
        assertThatThrownBy(() -> Safetensors.read(bytes))
                .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining(fragment);
        assertThatThrownBy(() -> Safetensors.read(new ByteArrayInputStream(bytes)))
                .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining(fragment);
        Path p = Files.write(dir.resolve("bad.safetensors"), bytes);
        assertThatThrownBy(() -> Safetensors.read(p))
                .isInstanceOf(SafetensorsFormatException.class).hasMessageContaining(fragment);
    }

    void assertRejected(String headerJson, byte[] data, String fragment) throws IOException {
        assertRejected(file(headerJson, data), fragment);
    }

    // ---------------------------------------------------------------- valid files

    @Test
    void readsTensorsInHeaderOrderWithMetadata() throws IOException {
        String h = "{\"__metadata__\":{\"format\":\"pt\",\"seed\":\"7\"},"
                + entry("b", "F32", "[2]", 12, 20) + "," + entry("a", "F32", "[1,3]", 0, 12) + "}   ";
        SafetensorsFile f = readAllWays(file(h, f32(1, 2, 3, 4, 5)));
        assertThat(f.names()).containsExactly("b", "a");
        assertThat(f.size()).isEqualTo(2);
        assertThat(f.floats("a")).containsExactly(1, 2, 3);
        assertThat(f.floats("b")).containsExactly(4, 5);
        assertThat(f.shape("a")).containsExactly(1, 3);
        assertThat(f.dtype("a")).isEqualTo(Dtype.F32);
        assertThat(f.metadata()).containsExactly(Map.entry("format", "pt"), Map.entry("seed", "7"));
        Tensor a = f.tensor("a");
        assertThat(a.shape()).containsExactly(1, 3);
        assertThat(f.tensors().keySet()).containsExactly("b", "a");
    }

    @Test
    void emptyHeaderAndNoTensorsIsLegal() throws IOException {
        SafetensorsFile f = readAllWays(file("{}      ", new byte[0]));
        assertThat(f.names()).isEmpty();
        assertThat(f.metadata()).isEmpty();
        assertThat(readAllWays(file(" \t\r\n{ } ", new byte[0])).names()).isEmpty();
    }

    @Test
    void scalarsAndEmptyTensorsAreLegal() throws IOException {
        String h = "{" + entry("e", "F32", "[2,0,3]", 0, 0) + "," + entry("s", "F32", "[]", 0, 4) + ","
                + entry("z", "I64", "[0]", 4, 4) + "}";
        SafetensorsFile f = readAllWays(file(h, f32(2.5f)));
        assertThat(f.shape("s")).isEmpty();
        assertThat(f.floats("s")).containsExactly(2.5f);
        assertThat(f.tensor("s").shape()).isEmpty();
        assertThat(f.tensor("s").numel()).isEqualTo(1);
        assertThat(f.shape("e")).containsExactly(2, 0, 3);
        assertThat(f.floats("e")).isEmpty();
        assertThat(f.tensor("e").numel()).isZero();
        assertThat(f.longs("z")).isEmpty();
    }

    @Test
    void unicodeNamesEscapesAndUnknownEntryKeys() throws IOException {
        String h = "{\"caf\u00e9\\u00e9\\ud83d\\ude00\\n\\\"\\/\":{\"dtype\":\"F32\",\"extra\":[1,{\"x\":null}],"
                + "\"shape\":[1],\"data_offsets\":[0,4],\"flag\":true}}";
        SafetensorsFile f = readAllWays(file(h, f32(9)));
        assertThat(f.names()).containsExactly("caf\u00e9\u00e9\ud83d\ude00\n\"/");
    }

    @Test
    void accessorsRejectWrongKindAndUnknownNames() throws IOException {
        String h = "{" + entry("x", "F32", "[1]", 0, 4) + "," + entry("n", "I64", "[2]", 4, 20) + "}";
        SafetensorsFile f = readAllWays(file(h, concat(f32(1), i64(3, 4))));
        assertThat(f.longs("n")).containsExactly(3, 4);
        assertThat(f.tensors().keySet()).containsExactly("x");
        assertThatThrownBy(() -> f.tensor("n")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'n' is I64; read it with longs(name)");
        assertThatThrownBy(() -> f.longs("x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tensor 'x' is F32, not I64; read it with tensor(name) or floats(name)");
        assertThatThrownBy(() -> f.floats("y")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no tensor named 'y'; present: [x, n]");
        int[] s = f.shape("x");
        s[0] = 99;
        assertThat(f.shape("x")).containsExactly(1);
        float[] v = f.floats("x");
        v[0] = 99;
        assertThat(f.floats("x")).containsExactly(1);
        assertThatThrownBy(() -> f.metadata().put("a", "b")).isInstanceOf(UnsupportedOperationException.class);
    }

    // ---------------------------------------------------------------- dtype conversions

    @Test
    void f16ToF32IsExactIncludingSubnormalsInfinityAndNaN() throws IOException {
        int[] bits = {0x0000, 0x8000, 0x3c00, 0xc000, 0x3555, 0x7bff, 0x0400, 0x0001, 0x8001, 0x03ff, 0x0200,
                      0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xfe00};
        float[] expected = {0f, -0f, 1f, -2f, 0.333251953125f, 65504f, 0x1p-14f, 0x1p-24f, -0x1p-24f,
                            1023 * 0x1p-24f, 0x1p-15f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                            Float.intBitsToFloat(0x7fc00000), Float.intBitsToFloat(0x7f802000),
                            Float.intBitsToFloat(0xffc00000)};
        String h = "{" + entry("h", "F16", "[16]", 0, 32) + "}";
        float[] got = readAllWays(file(h, u16(bits))).floats("h");
        for (int i = 0; i < bits.length; i++) {
            assertThat(Float.floatToRawIntBits(got[i])).as("half 0x%04x", bits[i])
                    .isEqualTo(Float.floatToRawIntBits(expected[i]));
        }
        assertThat(Float.isNaN(got[14])).isTrue();
    }

    @Test
    void f16ConversionAgreesWithArithmeticForEveryHalf() {
        for (int b = 0; b < 0x10000; b++) {
            int exp = (b >>> 10) & 0x1f;
            int mant = b & 0x3ff;
            if (exp == 0x1f) {
                continue;
            }
            double mag = exp == 0 ? mant * Math.pow(2, -24) : (1 + mant / 1024.0) * Math.pow(2, exp - 15);
            double v = (b & 0x8000) != 0 ? -mag : mag;
            assertThat(Safetensors.halfToFloat((short) b)).as("half 0x%04x", b).isEqualTo((float) v);
        }
    }

    @Test
    void bf16ToF32IsASixteenBitShift() throws IOException {
        int[] bits = {0x3f80, 0xc049, 0x7f80, 0xff80, 0x0001, 0x8000, 0x7fc0, 0x4780};
        float[] expected = {1f, -3.140625f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0x1p-133f, -0f,
                            Float.NaN, 65536f};
        String h = "{" + entry("b", "BF16", "[2,4]", 0, 16) + "}";
        SafetensorsFile f = readAllWays(file(h, u16(bits)));
        float[] got = f.floats("b");
        assertThat(f.shape("b")).containsExactly(2, 4);
        for (int i = 0; i < bits.length; i++) {
            assertThat(Float.floatToRawIntBits(got[i])).isEqualTo(bits[i] << 16);
            assertThat(Float.valueOf(got[i])).isEqualTo(Float.valueOf(expected[i]));
        }
    }

    @Test
    void f64RoundsToNearestFloatTiesToEven() throws IOException {
        double[] v = {0.1, 1 + 0x1p-24, 1 + 3 * 0x1p-24, 1 + 0x1p-24 + 0x1p-40, 1e300, -1e300, 1e-50,
                      0x1p-150, 0x1.8p-150, Double.NaN, -0.0, 0x1.ffffffp127};
        float[] expected = {0.1f, 1f, 1 + 0x1p-22f, 1 + 0x1p-23f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
                            0f, 0f, 0x1p-149f, Float.NaN, -0f, Float.POSITIVE_INFINITY};
        String h = "{" + entry("d", "F64", "[12]", 0, 96) + "}";
        float[] got = readAllWays(file(h, f64(v))).floats("d");
        for (int i = 0; i < v.length; i++) {
            assertThat(Float.valueOf(got[i])).as("double %s", v[i]).isEqualTo(Float.valueOf(expected[i]));
        }
    }

    @Test
    void i64ReadsAsLongs() throws IOException {
        String h = "{" + entry("n", "I64", "[2,2]", 0, 32) + "}";
        SafetensorsFile f = readAllWays(file(h, i64(Long.MIN_VALUE, -1, 0, Long.MAX_VALUE)));
        assertThat(f.dtype("n")).isEqualTo(Dtype.I64);
        assertThat(f.shape("n")).containsExactly(2, 2);
        assertThat(f.longs("n")).containsExactly(Long.MIN_VALUE, -1, 0, Long.MAX_VALUE);
    }

    @Test
    void readsTorchWrittenDtypeFixture() throws IOException {
        SafetensorsFile f;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/io/dtypes.safetensors")) {
            assertThat(in).as("fixture on the class path").isNotNull();
            f = Safetensors.read(in);
        }
        assertThat(f.metadata()).containsEntry("format", "pt").containsEntry("format_version", "1")
                .containsKeys("torch_version", "seed", "generator");
        assertThat(f.names()).containsExactly("f32", "f64", "f64_as_f32", "f16", "f16_as_f32", "bf16",
                "bf16_as_f32", "i64", "scalar", "empty");
        assertThat(f.dtype("f64")).isEqualTo(Dtype.F64);
        assertThat(f.dtype("f16")).isEqualTo(Dtype.F16);
        assertThat(f.dtype("bf16")).isEqualTo(Dtype.BF16);
        for (String t : List.of("f64", "f16", "bf16")) {
            float[] got = f.floats(t);
            float[] torch = f.floats(t + "_as_f32");
            assertThat(f.shape(t)).containsExactly(4, 8);
            for (int i = 0; i < got.length; i++) {
                assertThat(Float.floatToRawIntBits(got[i])).as("%s[%d]", t, i)
                        .isEqualTo(Float.floatToRawIntBits(torch[i]));
            }
        }
        assertThat(f.floats("f32")).isEqualTo(f.floats("f64_as_f32"));
        assertThat(f.longs("i64")).containsExactly(0, 1, -1, (1L << 53) + 1, Long.MIN_VALUE, Long.MAX_VALUE);
        assertThat(f.shape("scalar")).isEmpty();
        assertThat(f.floats("scalar")).containsExactly(1.5f);
        assertThat(f.shape("empty")).containsExactly(2, 0, 3);
    }

    // ---------------------------------------------------------------- malformed: framing

    @Test
    void rejectsInputShorterThanEightBytes() throws IOException {
        for (int n = 0; n < 8; n++) {
            assertRejected(new byte[n], "input is only " + n
                    + " bytes; a safetensors file starts with an 8-byte header length");
        }
    }

    @Test
    void rejectsHeaderLengthOverLimitOrPastTheEnd() throws IOException {
        assertRejected(rawLength(100_000_001L, 16), "header length 100000001 exceeds the limit of 100000000 bytes");
        assertRejected(rawLength(-1L, 16), "header length 18446744073709551615 exceeds the limit");
        assertRejected(rawLength(50, 10), "header length 50 runs past the end of the input: only 10 bytes follow");
    }

    @Test
    void rejectsInvalidUtf8() throws IOException {
        byte[][] bad = {{(byte) 0xff}, {(byte) 0xc0, (byte) 0x80}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
                        {(byte) 0xe2, (byte) 0x82}};
        for (byte[] b : bad) {
            byte[] h = concat("{\"ab".getBytes(StandardCharsets.UTF_8), b, "\":1}".getBytes(StandardCharsets.UTF_8));
            assertRejected(file(h, new byte[0]), "header is not valid UTF-8: malformed sequence at byte 12");
        }
    }

    // ---------------------------------------------------------------- malformed: JSON

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "``                       | empty header: expected a JSON object at byte 8",
        "`   `                    | empty header: expected a JSON object at byte 11",
        "`{\"a\":}`               | unexpected '}': expected a JSON value at byte 13",
        "`{\"a\":1,}`             | expected a string key in object, found '}' at byte 15",
        "`{\"a\" 1}`              | expected ':' after key \"a\", found '1' at byte 13",
        "`{\"a\":1 \"b\":2}`      | expected ',' or '}' in object, found '\"' at byte 15",
        "`{\"a\":[1 2]}`          | expected ',' or ']' in array, found '2' at byte 16",
        "`{\"a\":[01]}`           | expected ',' or ']' in array, found '1' at byte 15",
        "`{\"a\":\"x`             | unterminated string starting at byte 13",
        "`{\"a\\q\":1}`           | invalid escape '\\q' in string at byte 11",
        "`{\"a\\u12G4\":1}`       | invalid \\u escape in string (expected 4 hex digits) at byte 11",
        "`{\"a\\u12\"}`           | invalid \\u escape in string (expected 4 hex digits) at byte 11",
        "`{\"\\ud800\":1}`        | unpaired high surrogate \\uD800 at byte 10",
        "`{\"\\udc00x\":1}`       | unpaired low surrogate \\uDC00 at byte 10",
        "`{\"\\ud800\\u0041\":1}` | high surrogate \\uD800 followed by \\u0041, not a low surrogate, at byte 10",
        "`{\"a\":-}`              | invalid number: expected a digit at byte 14",
        "`{\"a\":1.}`             | invalid number: expected a digit after '.' at byte 15",
        "`{\"a\":1e+}`            | invalid number: expected a digit in the exponent at byte 16",
        "`{\"a\":+1}`             | unexpected '+': expected a JSON value at byte 13",
        "`{\"a\":tru}`            | unexpected 't': expected a JSON value at byte 13",
        "`{\"a\":NaN}`            | unexpected 'N': expected a JSON value at byte 13",
        "`{\"a\":'x'}`            | unexpected ''': expected a JSON value at byte 13",
        "`{} x`                   | unexpected 'x' after the end of the JSON value at byte 11",
        "`{}{}`                   | unexpected '{' after the end of the JSON value at byte 10",
        "`{\"é\":[1,]}`           | unexpected ']': expected a JSON value at byte 17",
    })
    void rejectsInvalidJsonWithBytePosition(String header, String fragment) throws IOException {
        assertRejected(header, new byte[0], "invalid JSON header: " + fragment);
    }

    @Test
    void rejectsRawControlCharacterInString() throws IOException {
        assertRejected("{\"a\nb\":1}", new byte[0],
                "invalid JSON header: unescaped control character U+000A in string at byte 11");
        assertRejected("{\"a\":\u0001}", new byte[0], "unexpected U+0001: expected a JSON value at byte 13");
    }

    @Test
    void rejectsDeepNestingAndHugeArraysWithoutBlowingUp() throws IOException {
        String deep = "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        assertRejected(deep, new byte[0], "invalid JSON header: JSON nested deeper than 64 levels at byte 76");
        String wide = "{\"a\":[" + "0,".repeat(5000) + "0]}";
        assertRejected(wide, new byte[0], "invalid JSON header: JSON array longer than 4096 elements at byte 8206");
        // 300 x 4000 = 1.2 million values in one member: refused before they are all built
        String many = "{\"__metadata__\":[" + ("[" + "0,".repeat(3999) + "0],").repeat(300) + "0]}";
        assertRejected(many, new byte[0], "invalid JSON header: more than 1048576 JSON values in one header member at byte ");
    }

    @Test
    void rejectsHeaderThatIsNotAnObject() throws IOException {
        assertRejected("[]", new byte[0], "invalid JSON header: header must be a JSON object, found an array at byte 8");
        assertRejected(" \"x\"", new byte[0], "header must be a JSON object, found a string at byte 9");
        assertRejected("12", new byte[0], "header must be a JSON object, found a number at byte 8");
        assertRejected("null", new byte[0], "header must be a JSON object, found null at byte 8");
    }

    @Test
    void rejectsDuplicateKeys() throws IOException {
        String e = entry("a", "F32", "[1]", 0, 4);
        assertRejected("{" + e + "," + e + "}", f32(1), "duplicate key \"a\" in header (second value at byte 66)");
        assertRejected("{\"__metadata__\":{},\"__metadata__\":{}}", new byte[0], "duplicate key \"__metadata__\"");
        assertRejected("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\"}}", new byte[0], "duplicate key \"dtype\" at byte 28");
        assertRejected("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", new byte[0], "duplicate key \"k\" at byte 33");
    }

    // ---------------------------------------------------------------- malformed: entries

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "`[]`                                                    | entry must be an object, found an array",
        "`\"F32\"`                                               | entry must be an object, found a string",
        "`{\"shape\":[1],\"data_offsets\":[0,4]}`                | missing \"dtype\"",
        "`{\"dtype\":\"F32\",\"data_offsets\":[0,4]}`            | missing \"shape\"",
        "`{\"dtype\":\"F32\",\"shape\":[1]}`                     | missing \"data_offsets\"",
        "`{\"dtype\":4,\"shape\":[1],\"data_offsets\":[0,4]}`    | \"dtype\" must be a string, found a number",
        "`{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}` | unsupported dtype 'I32' (jrnn reads [F32, F64, F16, BF16, I64])",
        "`{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}` | unsupported dtype 'f32'",
        "`{\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]}` | \"shape\" must be an array, found a string",
        "`{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}` | \"shape\" element 0 must be a non-negative integer, found -1",
        "`{\"dtype\":\"F32\",\"shape\":[1,2.0],\"data_offsets\":[0,4]}` | \"shape\" element 1 must be a non-negative integer, found 2.0",
        "`{\"dtype\":\"F32\",\"shape\":[1e0],\"data_offsets\":[0,4]}` | \"shape\" element 0 must be a non-negative integer, found 1e0",
        "`{\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]}` | \"shape\" element 0 must be a non-negative integer, found a string",
        "`{\"dtype\":\"F32\",\"shape\":[null],\"data_offsets\":[0,4]}` | \"shape\" element 0 must be a non-negative integer, found null",
        "`{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,4]}` | \"shape\" element 0 is 99999999999999999999, larger than 9223372036854775807",
        "`{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}` | shape [4294967296, 4294967296] × 4 bytes overflows 64 bits",
        "`{\"dtype\":\"F64\",\"shape\":[1152921504606846976],\"data_offsets\":[0,4]}` | shape [1152921504606846976] × 8 bytes overflows 64 bits",
        "`{\"dtype\":\"F32\",\"shape\":[3000000000,0],\"data_offsets\":[0,0]}` | dimension 0 of shape [3000000000, 0] exceeds 2147483647",
        "`{\"dtype\":\"F32\",\"shape\":[2147483647],\"data_offsets\":[0,8589934588]}` | shape [2147483647] has 2147483647 elements, more than the 2147483639 a tensor can hold",
        "`{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}`  | \"data_offsets\" must be an array [begin, end], found an array of 1 elements",
        "`{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{}}`   | \"data_offsets\" must be an array [begin, end], found an object",
        "`{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,-4]}` | \"data_offsets\" end must be a non-negative integer, found -4",
        "`{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4]}` | \"data_offsets\" begin must be a non-negative integer, found 0.0",
        "`{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}` | data_offsets [8, 4] end before begin",
        "`{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4]}` | data_offsets [0, 4] span 4 bytes but shape [2] of F32 needs 8",
        "`{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[0,4]}` | data_offsets [0, 4] span 4 bytes but shape [] of BF16 needs 2",
    })
    void rejectsMalformedEntryNamingTheTensor(String entryJson, String fragment) throws IOException {
        assertRejected("{\"w\":" + entryJson + "}", f32(1), "tensor 'w' (header byte 13): " + fragment);
    }

    // ---------------------------------------------------------------- malformed: data layout

    @Test
    void rejectsOffsetsThatDoNotStartAtZero() throws IOException {
        assertRejected("{" + entry("a", "F32", "[1]", 4, 8) + "}", f32(0, 1),
                "tensor 'a' begins at data offset 4, but the data section must start with a tensor at offset 0");
    }

    @Test
    void rejectsGapsAndOverlaps() throws IOException {
        assertRejected("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 8, 12) + "}", f32(0, 1, 2),
                "gap of 4 bytes in the data section between tensor 'a' (ends at 4) and tensor 'b' (begins at 8)");
        assertRejected("{" + entry("b", "F32", "[1]", 4, 8) + "," + entry("a", "F32", "[2]", 0, 8) + "}", f32(0, 1),
                "tensors 'a' [0, 8) and 'b' [4, 8) overlap in the data section");
        assertRejected("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[1]", 0, 4) + "}", f32(0),
                "tensors 'a' [0, 4) and 'b' [0, 4) overlap in the data section");
    }

    @Test
    void rejectsDataSectionLongerOrShorterThanTheTensors() throws IOException {
        byte[] longer = file("{" + entry("a", "F32", "[1]", 0, 4) + "}", new byte[6]);
        String fragment = "tensors end at data offset 4 but the data section is 6 bytes long (2 trailing bytes belong to no tensor)";
        assertThatThrownBy(() -> Safetensors.read(longer)).hasMessage(fragment);
        assertThatThrownBy(() -> Safetensors.read(Files.write(dir.resolve("l.safetensors"), longer))).hasMessage(fragment);
        assertThatThrownBy(() -> Safetensors.read(new ByteArrayInputStream(longer)))
                .isInstanceOf(SafetensorsFormatException.class)
                .hasMessage("tensors end at data offset 4 but the input continues after it");
        assertRejected("{" + entry("a", "F32", "[2]", 0, 8) + "}", new byte[5],
                "tensors end at data offset 8 but the data section is 5 bytes long (3 bytes missing)");
        byte[] empty = file("{}", new byte[3]);
        assertThatThrownBy(() -> Safetensors.read(empty)).isInstanceOf(SafetensorsFormatException.class).hasMessage(
                "tensors end at data offset 0 but the data section is 3 bytes long (3 trailing bytes belong to no tensor)");
        assertThatThrownBy(() -> Safetensors.read(new ByteArrayInputStream(empty)))
                .hasMessage("tensors end at data offset 0 but the input continues after it");
    }

    @Test
    void hostileSizesNeverAllocateWhatTheHeaderClaims() throws IOException {
        // 2 GB declared, 4 bytes present: rejected before any allocation of the claimed size.
        assertRejected("{" + entry("a", "F32", "[500000000]", 0, 2_000_000_000L) + "}", f32(1),
                "tensors end at data offset 2000000000 but the data section is 4 bytes long (1999999996 bytes missing)");
        byte[] huge = file("{" + entry("a", "F64", "[500000000]", 0, 4_000_000_000L) + "}", f32(1));
        assertThatThrownBy(() -> Safetensors.read(new ByteArrayInputStream(huge)))
                .isInstanceOf(SafetensorsFormatException.class)
                .hasMessage("data section of 4000000000 bytes is too large to read from a stream; read the file with read(Path)");
        assertThatThrownBy(() -> Safetensors.read(huge)).hasMessageContaining("3999999996 bytes missing");
    }

    @Test
    void rejectsMetadataThatIsNotAFlatStringMap() throws IOException {
        assertRejected("{\"__metadata__\":[]}", new byte[0],
                "\"__metadata__\" (at byte 24) must be an object of strings, found an array");
        assertRejected("{\"__metadata__\":{\"a\":\"x\",\"n\":1}}", new byte[0],
                "\"__metadata__\" (at byte 24): value of \"n\" must be a string, found a number");
        assertRejected("{\"__metadata__\":{\"o\":{\"k\":\"v\"}}}", new byte[0],
                "value of \"o\" must be a string, found an object");
        assertRejected("{\"__metadata__\":{\"o\":null}}", new byte[0], "value of \"o\" must be a string, found null");
        assertRejected("{\"__metadata__\":\"x\"}", new byte[0], "must be an object of strings, found a string");
    }

    @Test
    void streamReadDoesNotConsumeMoreThanOneFileWhenValid() throws IOException {
        byte[] one = file("{" + entry("a", "F32", "[1]", 0, 4) + "}", f32(3));
        ByteArrayOutputStream both = new ByteArrayOutputStream();
        both.write(one);
        assertThat(Safetensors.read(new ByteArrayInputStream(both.toByteArray())).floats("a")).containsExactly(3);
    }

    @Test
    void mutatedFilesFailOnlyWithAFormatException() throws IOException {
        byte[] valid = new SafetensorsWriter().metadata("k", "v")
                .putFloats("a", new float[] {1, 2, 3, 4, 5, 6}, 2, 3)
                .putLongs("n", new long[] {7}, 1)
                .putFloats("s", new float[] {1})
                .putFloats("e", new float[0], 0, 4).toByteArray();
        int headerEnd = 8 + (int) ByteBuffer.wrap(valid).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        byte[] alphabet = "{}[]\",:-.0123456789eE \\u\u00e9FIB16432abcdefhnoprstz".getBytes(StandardCharsets.UTF_8);
        SplittableRandom rng = new SplittableRandom(7);
        int accepted = 0;
        for (int iter = 0; iter < 20_000; iter++) {
            byte[] b = valid.clone();
            int edits = 1 + rng.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int kind = rng.nextInt(10);
                if (kind < 6) {          // replace a header byte with a JSON-ish one
                    int end = Math.min(headerEnd, b.length);
                    if (end > 8) {
                        b[8 + rng.nextInt(end - 8)] = alphabet[rng.nextInt(alphabet.length)];
                    }
                } else if (kind < 7) {   // random byte anywhere
                    if (b.length > 0) {
                        b[rng.nextInt(b.length)] = (byte) rng.nextInt(256);
                    }
                } else if (kind < 8) {   // truncate
                    b = Arrays.copyOf(b, rng.nextInt(b.length + 1));
                } else if (kind < 9) {   // corrupt the length field
                    if (b.length >= 8) {
                        b[rng.nextInt(8)] = (byte) rng.nextInt(256);
                    }
                } else {                 // append junk
                    b = Arrays.copyOf(b, b.length + 1 + rng.nextInt(16));
                }
            }
            try {
                Safetensors.read(b);
                accepted++;
            } catch (SafetensorsFormatException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
        assertThat(accepted).as("some mutations (e.g. in metadata strings) stay valid").isPositive();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
