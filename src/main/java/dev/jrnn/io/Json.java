package dev.jrnn.io;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small strict JSON (RFC 8259) parser and string writer, just enough for safetensors headers.
 *
 * <p>The header is read member by member ({@link #beginObject()}, {@link #nextKey()},
 * {@link #memberValue()}, {@link #end()}), so no tree of the whole header is ever built. Values map
 * to: object → {@code Map<String, Object>} (insertion order, duplicate keys are an
 * error), array → {@code List<Object>}, string → {@code String}, number → {@link Num} (the exact
 * lexeme), {@code true}/{@code false} → {@code Boolean}, {@code null} → {@link #NULL}.
 *
 * <p>Errors are {@link SafetensorsFormatException}s that give the <em>byte offset in the file</em>
 * of the offending character: the header text starts at file byte {@code baseOffset}. Nesting is
 * limited to {@value #MAX_DEPTH} levels, arrays to {@value #MAX_ARRAY} elements (a safetensors
 * header holds only shapes and offsets in arrays) and one top-level member to {@value #MAX_VALUES}
 * values, so hostile input can exhaust neither the stack nor the heap. Not thread-safe; one instance parses one text.
 */
final class Json {

    /** The JSON {@code null} value (maps cannot hold Java {@code null} values usefully). */
    static final Object NULL = new Object() {
        @Override
        public String toString() {
            return "null";
        }
    };

    static final int MAX_DEPTH = 64;
    static final int MAX_ARRAY = 4096;
    /** Most values (of any kind, containers included) in one top-level member. */
    static final int MAX_VALUES = 1 << 20;

    /** A JSON number, kept as its exact lexeme. */
    static final class Num {
        private final String text;

        Num(String text) {
            this.text = text;
        }

        /** {@return the lexeme as written, e.g. {@code -1.5e3}} */
        String text() {
            return text;
        }

        /** {@return whether the lexeme is an integer (no fraction, no exponent)} */
        boolean isInteger() {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (c == '.' || c == 'e' || c == 'E') {
                    return false;
                }
            }
            return true;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private final String s;
    private final long baseOffset;
    private int pos;
    private int budget = MAX_VALUES; // values still allowed in the current top-level member

    /**
     * @param text the decoded header text, not modified
     * @param baseOffset the file byte offset of {@code text}'s first byte (8 for a safetensors
     *     header), used only in error messages
     */
    Json(String text, long baseOffset) {
        this.s = text;
        this.baseOffset = baseOffset;
    }

    // ---------------------------------------------------------------- incremental top-level object

    /** Consumes whitespace and the opening brace of the top-level object. */
    void beginObject() throws SafetensorsFormatException {
        skipWs();
        if (pos >= s.length()) {
            throw error("empty header: expected a JSON object");
        }
        if (s.charAt(pos) != '{') {
            throw error("header must be a JSON object, found " + describeValueAt());
        }
        pos++;
    }

    private boolean firstMember = true;

    /**
     * Reads the next member key of the top-level object, or returns {@code null} (after consuming
     * the closing brace) when there is none.
     */
    String nextKey() throws SafetensorsFormatException {
        skipWs();
        if (firstMember) {
            firstMember = false;
            if (peek() == '}') {
                pos++;
                return null;
            }
        } else {
            char c = peek();
            if (c == '}') {
                pos++;
                return null;
            }
            if (c != ',') {
                throw error("expected ',' or '}' in object, found " + describeChar());
            }
            pos++;
            skipWs();
        }
        if (peek() != '"') {
            throw error("expected a string key in object, found " + describeChar());
        }
        String key = string();
        skipWs();
        if (peek() != ':') {
            throw error("expected ':' after key \"" + key + "\", found " + describeChar());
        }
        pos++;
        skipWs();
        return key;
    }

    /** {@return the value of the current member, parsed at nesting depth 1} */
    Object memberValue() throws SafetensorsFormatException {
        budget = MAX_VALUES;
        return value(1);
    }

    /** Checks that only whitespace follows. */
    void end() throws SafetensorsFormatException {
        skipWs();
        if (pos < s.length()) {
            throw error("unexpected " + describeChar() + " after the end of the JSON value");
        }
    }

    /** {@return the file byte offset of the current position} */
    long byteOffset() {
        return byteOffset(pos);
    }

    // ---------------------------------------------------------------- recursive descent

    private Object value(int depth) throws SafetensorsFormatException {
        skipWs();
        if (pos >= s.length()) {
            throw error("unexpected end of header: expected a JSON value");
        }
        if (--budget < 0) {
            throw error("more than " + MAX_VALUES + " JSON values in one header member");
        }
        char c = s.charAt(pos);
        switch (c) {
            case '{':
                return object(depth + 1);
            case '[':
                return array(depth + 1);
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", NULL);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) {
                    return number();
                }
                throw error("unexpected " + describeChar() + ": expected a JSON value");
        }
    }

    private void checkDepth(int depth) throws SafetensorsFormatException {
        if (depth > MAX_DEPTH) {
            throw error("JSON nested deeper than " + MAX_DEPTH + " levels");
        }
    }

    private Map<String, Object> object(int depth) throws SafetensorsFormatException {
        checkDepth(depth);
        pos++; // '{'
        Map<String, Object> m = new LinkedHashMap<>();
        skipWs();
        if (peek() == '}') {
            pos++;
            return m;
        }
        while (true) {
            skipWs();
            if (peek() != '"') {
                throw error("expected a string key in object, found " + describeChar());
            }
            int keyPos = pos;
            String key = string();
            skipWs();
            if (peek() != ':') {
                throw error("expected ':' after key \"" + key + "\", found " + describeChar());
            }
            pos++;
            Object v = value(depth);
            if (m.containsKey(key)) {
                throw errorAt("duplicate key \"" + key + "\"", keyPos);
            }
            m.put(key, v);
            skipWs();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == '}') {
                pos++;
                return m;
            } else {
                throw error("expected ',' or '}' in object, found " + describeChar());
            }
        }
    }

    private List<Object> array(int depth) throws SafetensorsFormatException {
        checkDepth(depth);
        pos++; // '['
        List<Object> a = new ArrayList<>();
        skipWs();
        if (peek() == ']') {
            pos++;
            return a;
        }
        while (true) {
            if (a.size() == MAX_ARRAY) {
                throw error("JSON array longer than " + MAX_ARRAY + " elements");
            }
            a.add(value(depth));
            skipWs();
            char c = peek();
            if (c == ',') {
                pos++;
            } else if (c == ']') {
                pos++;
                return a;
            } else {
                throw error("expected ',' or ']' in array, found " + describeChar());
            }
        }
    }

    private String string() throws SafetensorsFormatException {
        int start = pos;
        pos++; // opening quote
        StringBuilder sb = null;
        int runStart = pos;
        while (true) {
            if (pos >= s.length()) {
                throw errorAt("unterminated string starting", start);
            }
            char c = s.charAt(pos);
            if (c == '"') {
                String out = sb == null ? s.substring(runStart, pos) : sb.append(s, runStart, pos).toString();
                pos++;
                return out;
            }
            if (c < 0x20) {
                throw error(String.format("unescaped control character U+%04X in string", (int) c));
            }
            if (c != '\\') {
                pos++;
                continue;
            }
            if (sb == null) {
                sb = new StringBuilder();
            }
            sb.append(s, runStart, pos);
            int escPos = pos;
            pos++;
            if (pos >= s.length()) {
                throw errorAt("unterminated string starting", start);
            }
            char e = s.charAt(pos++);
            switch (e) {
                case '"': sb.append('"'); break;
                case '\\': sb.append('\\'); break;
                case '/': sb.append('/'); break;
                case 'b': sb.append('\b'); break;
                case 'f': sb.append('\f'); break;
                case 'n': sb.append('\n'); break;
                case 'r': sb.append('\r'); break;
                case 't': sb.append('\t'); break;
                case 'u': {
                    char u = hex4(escPos);
                    if (Character.isHighSurrogate(u)) {
                        if (pos + 1 < s.length() && s.charAt(pos) == '\\' && s.charAt(pos + 1) == 'u') {
                            int lowPos = pos;
                            pos += 2;
                            char low = hex4(lowPos);
                            if (!Character.isLowSurrogate(low)) {
                                throw errorAt(String.format("high surrogate \\u%04X followed by \\u%04X, not a low surrogate,",
                                        (int) u, (int) low), escPos);
                            }
                            sb.append(u).append(low);
                        } else {
                            throw errorAt(String.format("unpaired high surrogate \\u%04X", (int) u), escPos);
                        }
                    } else if (Character.isLowSurrogate(u)) {
                        throw errorAt(String.format("unpaired low surrogate \\u%04X", (int) u), escPos);
                    } else {
                        sb.append(u);
                    }
                    break;
                }
                default:
                    pos = escPos;
                    throw error("invalid escape '\\" + (e < 0x20 || e > 0x7e ? String.format("\\u%04X", (int) e) : e) + "' in string");
            }
            runStart = pos;
        }
    }

    /** Reads 4 hex digits at {@code pos} (just after {@code \\u}). */
    private char hex4(int escPos) throws SafetensorsFormatException {
        if (pos + 4 > s.length()) {
            pos = escPos;
            throw error("truncated \\u escape in string");
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(s.charAt(pos + i), 16);
            if (d < 0 || s.charAt(pos + i) > 'f') {
                pos = escPos;
                throw error("invalid \\u escape in string (expected 4 hex digits)");
            }
            v = v * 16 + d;
        }
        pos += 4;
        return (char) v;
    }

    private Num number() throws SafetensorsFormatException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (isDigit(peek())) {
            while (isDigit(peek())) {
                pos++;
            }
        } else {
            throw error("invalid number: expected a digit");
        }
        if (peek() == '.') {
            pos++;
            if (!isDigit(peek())) {
                throw error("invalid number: expected a digit after '.'");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!isDigit(peek())) {
                throw error("invalid number: expected a digit in the exponent");
            }
            while (isDigit(peek())) {
                pos++;
            }
        }
        return new Num(s.substring(start, pos));
    }

    private Object literal(String word, Object v) throws SafetensorsFormatException {
        if (!s.startsWith(word, pos)) {
            throw error("unexpected " + describeChar() + ": expected a JSON value");
        }
        pos += word.length();
        return v;
    }

    // ---------------------------------------------------------------- helpers

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    /** {@return the char at pos, or U+FFFF at the end (never a valid JSON token start)} */
    private char peek() {
        return pos < s.length() ? s.charAt(pos) : '\uFFFF';
    }

    private void skipWs() {
        while (pos < s.length()) {
            char c = s.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
                pos++;
            } else {
                return;
            }
        }
    }

    private String describeChar() {
        if (pos >= s.length()) {
            return "end of header";
        }
        char c = s.charAt(pos);
        return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    private String describeValueAt() {
        char c = peek();
        switch (c) {
            case '[': return "an array";
            case '"': return "a string";
            case 't': case 'f': return "a boolean";
            case 'n': return "null";
            default: return c == '-' || isDigit(c) ? "a number" : describeChar();
        }
    }

    private long byteOffset(int charIndex) {
        // only on error paths: the UTF-8 length of the prefix
        return baseOffset + s.substring(0, Math.min(charIndex, s.length())).getBytes(StandardCharsets.UTF_8).length;
    }

    private SafetensorsFormatException error(String what) {
        return errorAt(what, pos);
    }

    private SafetensorsFormatException errorAt(String what, int charIndex) {
        return new SafetensorsFormatException("invalid JSON header: " + what + " at byte " + byteOffset(charIndex));
    }

    /** {@return a short name of the JSON type of a parsed value, for messages} */
    static String typeName(Object v) {
        if (v instanceof Map) {
            return "an object";
        } else if (v instanceof List) {
            return "an array";
        } else if (v instanceof String) {
            return "a string";
        } else if (v instanceof Num) {
            return "a number";
        } else if (v instanceof Boolean) {
            return "a boolean";
        }
        return "null";
    }

    // ---------------------------------------------------------------- writing

    /** Appends {@code v} as a JSON string literal (UTF-8 left as is; controls escaped). */
    static StringBuilder quote(StringBuilder out, String v) {
        out.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"': out.append("\\\""); break;
                case '\\': out.append("\\\\"); break;
                case '\n': out.append("\\n"); break;
                case '\r': out.append("\\r"); break;
                case '\t': out.append("\\t"); break;
                case '\b': out.append("\\b"); break;
                case '\f': out.append("\\f"); break;
                default:
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
            }
        }
        return out.append('"');
    }
}
