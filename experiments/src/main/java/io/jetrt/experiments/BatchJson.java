package io.jetrt.experiments;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;

import java.io.IOException;

/** A workload's batch in JSON: a number, or {@code "max"} for {@link Workload#LARGEST}. */
final class BatchJson {
    private BatchJson() {}

    static final class Writer extends StdScalarSerializer<Integer> {
        Writer() { super(Integer.class); }

        @Override public void serialize(Integer v, JsonGenerator g, SerializerProvider p) throws IOException {
            if (v == Workload.LARGEST) g.writeString("max");
            else g.writeNumber(v);
        }
    }

    static final class Reader extends StdScalarDeserializer<Integer> {
        Reader() { super(Integer.class); }

        @Override public Integer deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_STRING && p.getText().equals("max")) return Workload.LARGEST;
            return p.getIntValue();
        }
    }
}
