// `node bench/profile-summary.ts FILE.cpuprofile [TOP]`: where a CPU profile's time went (self time
// by area and by function, inclusive time by function). `npm run bench -- B1 --cpu-prof` records
// the server's profile of the measured window and prints the same summary.
import { formatProfile, summarizeProfile } from './lib/profile.ts';

const [file, top] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/profile-summary.ts FILE.cpuprofile [TOP]');
  process.exit(2);
}
console.log(formatProfile(summarizeProfile(file, top ? Number(top) : 25)));
