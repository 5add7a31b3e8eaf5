/*
 * Parses the Python dict literal of a .npy header ({'descr': '<f4', 'fortran_order': False,
 * 'shape': (3, 4), }): the small subset NumPy writes, by recursive descent, with errors that name
 * the file and the offending text. Split from NpyHeaderCodec, which validates what this returns.
 */
package io.github.softmaxcl.npy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Recursive-descent parser for the dict literal subset NumPy writes. */
final class NpyHeaderParser {
    private final Path file;
    private final String text;
    private int pos;

    NpyHeaderParser(Path file, String text) {
        this.file = file;
        this.text = text;
    }

    Map<String, Object> parseDict() throws NpyFormatException {
        Map<String, Object> dict = new HashMap<>();
        skipSpace();
        expect('{');
        skipSpace();
        while (peek() != '}') {
            String key = parseString("a string key");
            skipSpace();
            expect(':');
            skipSpace();
            if (!key.equals("descr") && !key.equals("fortran_order") && !key.equals("shape")) {
                throw new NpyFormatException(file, "unknown key '" + key + "' in header");
            }
            if (dict.containsKey(key)) {
                throw new NpyFormatException(file, "duplicate key '" + key + "' in header");
            }
            dict.put(key, parseValue(key));
            skipSpace();
            if (peek() == ',') {
                pos++;
                skipSpace();
            } else if (peek() != '}') {
                throw malformed("',' or '}'");
            }
        }
        pos++;
        skipSpace();
        if (pos != text.length()) {
            throw malformed("the end of the header after the dict");
        }
        for (String key : List.of("descr", "fortran_order", "shape")) {
            if (!dict.containsKey(key)) {
                throw new NpyFormatException(file, "header has no '" + key + "' key");
            }
        }
        return dict;
    }

    private Object parseValue(String key) throws NpyFormatException {
        char c = peek();
        if (c == '\'' || c == '"') {
            return parseString("a value");
        }
        if (c == '(') {
            return parseTuple();
        }
        if (c == '[' && key.equals("descr")) {
            throw new NpyFormatException(file, "structured (record) dtypes are not "
                    + "supported: 'descr' is a list of fields");
        }
        if (text.startsWith("True", pos) && !isWordChar(pos + 4)) {
            pos += 4;
            return Boolean.TRUE;
        }
        if (text.startsWith("False", pos) && !isWordChar(pos + 5)) {
            pos += 5;
            return Boolean.FALSE;
        }
        throw malformed("a string, True, False or a tuple as the value of '" + key + "'");
    }

    private String parseString(String what) throws NpyFormatException {
        char quote = peek();
        if (quote != '\'' && quote != '"') {
            throw malformed(what);
        }
        int start = ++pos;
        while (pos < text.length() && text.charAt(pos) != quote) {
            char c = text.charAt(pos);
            if (c == '\\' || c == '\n') {
                throw malformed("a plain string without escapes or line breaks");
            }
            pos++;
        }
        if (pos >= text.length()) {
            throw malformed("a closing quote");
        }
        return text.substring(start, pos++);
    }

    private long[] parseTuple() throws NpyFormatException {
        expect('(');
        List<Long> dims = new ArrayList<>();
        boolean trailingComma = false;
        skipSpace();
        while (peek() != ')') {
            dims.add(parseDimension());
            skipSpace();
            trailingComma = false;
            if (peek() == ',') {
                pos++;
                trailingComma = true;
                skipSpace();
            } else if (peek() != ')') {
                throw malformed("',' or ')' in the shape tuple");
            }
        }
        pos++;
        if (dims.size() == 1 && !trailingComma) {
            // In Python "(5)" is the integer 5, not a tuple; NumPy would refuse it too.
            throw new NpyFormatException(file,
                    "'shape' must be a tuple, found (" + dims.get(0) + ") without a comma");
        }
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = dims.get(i);
        }
        return shape;
    }

    private long parseDimension() throws NpyFormatException {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        String number = text.substring(start, pos);
        if (number.isEmpty() || number.equals("-")) {
            pos = start;
            throw malformed("a non-negative integer dimension");
        }
        // Python 2 NumPy wrote long integers as 3L.
        if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
            pos++;
        }
        if (isWordChar(pos) || (pos < text.length() && text.charAt(pos) == '.')) {
            pos = start;
            throw malformed("an integer dimension");
        }
        if (number.startsWith("-")) {
            throw new NpyFormatException(file, "negative dimension " + number + " in shape");
        }
        try {
            return Long.parseLong(number);
        } catch (NumberFormatException e) {
            throw new NpyFormatException(file, "dimension " + number + " does not fit in a long");
        }
    }

    private boolean isWordChar(int at) {
        if (at >= text.length()) {
            return false;
        }
        char c = text.charAt(at);
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private char peek() throws NpyFormatException {
        if (pos >= text.length()) {
            throw new NpyFormatException(file, "malformed header: it ends early: "
                    + excerpt());
        }
        return text.charAt(pos);
    }

    private void expect(char c) throws NpyFormatException {
        if (peek() != c) {
            throw malformed("'" + c + "'");
        }
        pos++;
    }

    private void skipSpace() {
        while (pos < text.length() && " \t\r\n".indexOf(text.charAt(pos)) >= 0) {
            pos++;
        }
    }

    private NpyFormatException malformed(String expected) {
        String found = pos < text.length() ? "'" + text.charAt(pos) + "'" : "the end";
        return new NpyFormatException(file, "malformed header: expected " + expected
                + " at character " + pos + ", found " + found + ": " + excerpt());
    }

    private String excerpt() {
        String t = text.strip();
        return t.length() <= 200 ? t : t.substring(0, 200) + "...";
    }
}
