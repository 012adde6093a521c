package io.jetrt.experiments;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.SerializationConfig;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.ser.BeanPropertyWriter;
import com.fasterxml.jackson.databind.ser.BeanSerializerModifier;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;

/**
 * Marks a property of a {@link Row} that only a row that ran has: a row that could not run leaves it out of
 * its JSON (and leaves its CSV cell empty), instead of writing zeros that read as measurements.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER})
@interface Measured {

    /** A row of a comparison: ran ({@code ok}) or could not run, with the reason. */
    interface Row {
        /** The row id, e.g. {@code perf:jetblock/p64-g16-b1/cpu}. */
        String id();

        boolean ok();
    }

    /** Wraps the writer of every {@code @Measured} property so that it writes nothing for a row that is not ok. */
    final class OnlyWhenOk extends BeanSerializerModifier {
        @Override
        public List<BeanPropertyWriter> changeProperties(SerializationConfig config, BeanDescription bean, List<BeanPropertyWriter> props) {
            props.replaceAll(p -> p.getAnnotation(Measured.class) == null ? p : new Writer(p));
            return props;
        }
    }

    final class Writer extends BeanPropertyWriter {
        Writer(BeanPropertyWriter base) { super(base); }

        @Override
        public void serializeAsField(Object bean, JsonGenerator g, SerializerProvider p) throws Exception {
            if (((Row) bean).ok()) super.serializeAsField(bean, g, p);
        }
    }
}
