package nl.ketenbus.bench.streamspeer;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.math.BigDecimal;
import java.util.List;

/**
 * Maasdal's webhook message as Jackson binds it: the field names of its interface page
 * (connectors/maasdal/_message.py). Unknown fields are ignored, as the adapter ignores
 * them; numbers bind to BigDecimal from their text, so no amount passes through a
 * double. Dates, times and codes stay strings here and are checked by {@link
 * MaasdalMapper}, which says which field is wrong.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MaasdalBericht(
        String berichtId,
        String berichtType,
        String tijdstip,
        String opdrachtnummer,
        String werkbonnummer,
        Status status,
        Afspraak afspraak,
        Gereed gereed,
        Signalering signalering,
        Huurder huurder) {

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Status(
            String code, String detailcode, String toelichting, String nieuweGereeddatum) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Afspraak(String datum, String van, String tot, String monteur) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Uur(String monteur, BigDecimal aantal) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Materiaal(
            String artikelnummer,
            String omschrijving,
            BigDecimal aantal,
            String eenheid,
            BigDecimal stukprijs) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Gereed(
            String gereedOp,
            Boolean eersteKeerGoed,
            String oorzaak,
            String nlsfb,
            List<Uur> uren,
            List<Materiaal> materialen) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Signalering(String categorie, String toelichting, Boolean urgent) {}

    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Huurder(String naam, String telefoon) {}
}
