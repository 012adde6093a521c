package io.jetrt.experiments;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;

import java.io.IOException;

/** A count that is -1 when it was not measured (the peak heap without the peak_memory metric) is null in JSON. */
final class Unmeasured {
    private Unmeasured() {}

    static final class Writer extends StdScalarSerializer<Long> {
        Writer() { super(Long.class); }

        @Override public void serialize(Long v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (v < 0) g.writeNull();
            else g.writeNumber(v);
        }
    }

    static final class Reader extends StdScalarDeserializer<Long> {
        Reader() { super(Long.class); }

        @Override public Long deserialize(JsonParser p, DeserializationContext ctx) throws IOException { return p.getLongValue(); }

        @Override public Long getNullValue(DeserializationContext ctx) { return -1L; }
    }
}
