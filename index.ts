// Entry point: load and validate the stack settings (every problem reported before any resource exists),
// create the stack's environment, export its outputs.
import { MonitoringEnvironment } from "./components/environment";
import { loadSettings } from "./config/loadSettings";

const { settings, secrets } = loadSettings();
const environment = new MonitoringEnvironment("roadwave", { settings, secrets });

export = environment.outputs;
