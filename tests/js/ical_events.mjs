// Parse an iCalendar feed from stdin with Mozilla's ical.js (Thunderbird's parser) and
// print, as JSON, what a client would show of each VEVENT: times as UTC instants.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const calendar = new ICAL.Component(ICAL.parse(readFileSync(0, "utf8")));
const events = calendar.getAllSubcomponents("vevent").map((vevent) => {
  const event = new ICAL.Event(vevent);
  const conference = vevent.getFirstProperty("conference");
  return {
    uid: event.uid,
    summary: event.summary,
    location: event.location,
    description: event.description,
    status: vevent.getFirstPropertyValue("status"),
    sequence: event.sequence,
    categories: vevent.getAllProperties("categories").flatMap((p) => p.getValues()),
    // A zone ical.js could not resolve from the file would come out as "floating".
    zone: event.startDate.zone.tzid,
    start: event.startDate.toJSDate().toISOString(),
    end: event.endDate.toJSDate().toISOString(),
    conference: conference ? conference.getFirstValue() : null,
  };
});
console.log(JSON.stringify({
  name: calendar.getFirstPropertyValue("x-wr-calname"),
  timezone: calendar.getFirstPropertyValue("x-wr-timezone"),
  events,
}));
