import FathomReceiver
import FathomShared
import Testing

@Suite struct FleetConfigTests {
    @Test func fleetCadenceAndMetricsAuthLoadFromTheConfigFile() throws {
        let settings = try ReceiverSettingsFile.parse(
            """
            tls_cert = "c.pem"
            tls_key = "k.pem"
            fleet_cadence = ["fox.example.org=300", "saga=60"]
            metrics_auth = true
            """, fileName: "receiver.toml")
        #expect(settings.fleetCadence == ["fox.example.org": 300, "saga": 60])
        #expect(settings.metricsAuth)
        #expect(settings.validationError() == nil)
        let plain = try ReceiverSettingsFile.parse("", fileName: "receiver.toml")
        #expect(plain.fleetCadence.isEmpty && !plain.metricsAuth)
    }

    @Test func badCadenceEntriesAreRefusedWithTheEntryNamed() {
        for bad in ["fox", "fox=0", "fox=-5", "fox=5m", "../etc=60", "=60"] {
            #expect(throws: ConfigError.self, "\(bad)") { try FleetCadenceSetting.parse([bad]) }
            do {
                _ = try ReceiverSettingsFile.parse("fleet_cadence = [\"\(bad)\"]", fileName: "r.toml")
                Issue.record("\(bad) was accepted")
            } catch {
                #expect(error.description.contains("fleet_cadence") && error.description.contains(bad))
            }
        }
    }
}
