package io.jetrt.experiments;

import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;

import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;

/**
 * The Jackson mappers the project's JSON and CSV files are written (and results.jsonl read) with.
 * Numbers: integers as they are; a double always with a fraction ({@code 3.0}, so it reads back as a
 * double) and in full precision, a non-finite double as {@code null} (JSON has no NaN), read back as NaN.
 * Strings: control characters other than tab, newline and return as a backslash, {@code u} and four
 * lowercase hex digits. Both rules keep the bytes of results.jsonl and of the config hash exactly as they
 * were before Jackson wrote them. In CSV a double has 6 significant digits and a missing or non-finite
 * value is an empty cell.
 *
 * <p>Write JSON through a String ({@link #line}, {@link #pretty}, then UTF-8): with these escapes Jackson's
 * byte-stream generator writes a character above U+FFFF as two escaped surrogates instead of its UTF-8 bytes.
 */
public final class Mappers {
    private Mappers() {}

    private static final ObjectMapper JSON = JsonMapper.builder(new JsonFactoryBuilder()
                    .characterEscapes(new ControlEscapes())
                    .addDecorator((f, g) -> new Doubles(g))
                    .build())
            .addModule(module())
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // a row read back carries config_hash, kind, derived figures
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    // objects indented two spaces a level, arrays on one line (samples would run for pages), "key": value
    private static final ObjectWriter PRETTY = JSON.writer(new DefaultPrettyPrinter(new Separators()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER).withArrayValueSpacing(Separators.Spacing.AFTER)
            .withObjectEmptySeparator("").withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n")).withArrayIndenter(DefaultPrettyPrinter.NopIndenter.instance));

    private static final CsvMapper CSV = CsvMapper.builder()
            .addModule(module().addSerializer(Double.class, new SixDigits()).addSerializer(Double.TYPE, new SixDigits()))
            .enable(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING) // quote a cell only when it holds a comma, quote or line break
            .enable(JsonGenerator.Feature.IGNORE_UNKNOWN) // a row's properties that are not columns (the raw samples)
            .build();

    /** The JSON mapper: reads (results.jsonl), builds trees, writes compact JSON. */
    public static ObjectMapper json() { return JSON; }

    /** {@code value} as compact JSON on one line, without a newline: a JSONL record, the config hash's input. */
    public static String line(Object value) { return write(JSON.writer(), value); }

    /** {@code value} as indented JSON ending in a newline, for files people read. */
    public static String pretty(Object value) { return write(PRETTY, value) + "\n"; }

    /** CSV; pass a schema naming the columns ({@code csv().writer(schema)}). */
    public static CsvMapper csv() { return CSV; }

    /** Records, maps, lists, strings and numbers cannot fail to serialize: a failure here is a bug, not an input error. */
    private static String write(ObjectWriter w, Object value) {
        try {
            return w.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + value.getClass().getName() + " as JSON", e);
        }
    }

    private static SimpleModule module() {
        SimpleModule m = new SimpleModule("jetrt");
        m.addDeserializer(Double.class, new NanForNull(Double.class));
        m.addDeserializer(Double.TYPE, new NanForNull(Double.TYPE));
        m.addDeserializer(double[].class, new NanForNullInArrays());
        m.setSerializerModifier(new Measured.OnlyWhenOk());
        return m;
    }

    /** Routes every double a serializer writes, alone or in an array, through one format; non-finite ones become null. */
    private static final class Doubles extends JsonGeneratorDelegate {
        Doubles(JsonGenerator g) { super(g, false); }

        /** {@code 3.0} for a whole number below 1e15 (as {@code %.1f} writes it, never {@code 1.0E7}), else the shortest repr. */
        @Override public void writeNumber(double v) throws IOException {
            if (!Double.isFinite(v)) delegate.writeNull();
            else if (v == Math.rint(v) && Math.abs(v) < 1e15) delegate.writeNumber(String.format(Locale.ROOT, "%.1f", v));
            else delegate.writeNumber(Double.toString(v));
        }

        @Override public void writeNumber(float v) throws IOException { writeNumber((double) v); }

        @Override public void writeArray(double[] array, int offset, int length) throws IOException {
            writeStartArray(array, length);
            for (int i = offset; i < offset + length; i++) writeNumber(array[i]);
            writeEndArray();
        }
    }

    /** A CSV cell: 6 significant digits, empty when not finite (the CSV factory takes no generator decorator). */
    private static final class SixDigits extends StdScalarSerializer<Double> {
        SixDigits() { super(Double.class); }

        @Override public void serialize(Double v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (Double.isFinite(v)) g.writeNumber(String.format(Locale.ROOT, "%.6g", v));
            else g.writeNull();
        }
    }

    /** JSON null back to NaN, the inverse of how a non-finite double is written. */
    private static final class NanForNull extends StdScalarDeserializer<Double> {
        NanForNull(Class<Double> type) { super(type); }

        @Override public Double deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            return p.getValueAsDouble();
        }

        @Override public Double getNullValue(DeserializationContext ctx) { return Double.NaN; }
    }

    /** The same for the elements of a {@code double[]}, which Jackson's own array reader would read as 0. */
    private static final class NanForNullInArrays extends StdDeserializer<double[]> {
        NanForNullInArrays() { super(double[].class); }

        @Override public double[] deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            return Arrays.stream(ctx.readValue(p, Double[].class)).mapToDouble(Double::doubleValue).toArray();
        }
    }

    /**
     * Control characters as a backslash, {@code u} and four lowercase hex digits (Jackson would write {@code \b},
     * {@code \f} and uppercase digits); tab, newline, return, quote and backslash as Jackson writes them.
     */
    private static final class ControlEscapes extends CharacterEscapes {
        private final int[] codes = standardAsciiEscapesForJSON();

        ControlEscapes() {
            for (int c = 0; c < 0x20; c++) if (c != '\t' && c != '\n' && c != '\r') codes[c] = ESCAPE_CUSTOM;
        }

        @Override public int[] getEscapeCodesForAscii() { return codes; }

        @Override public SerializableString getEscapeSequence(int c) {
            // asked for every character above ASCII too: those stay as they are
            return c < 0x20 ? new SerializedString(String.format(Locale.ROOT, "\\u%04x", c)) : null;
        }
    }
}
