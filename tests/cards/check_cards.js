// Parse Adaptive Cards with Microsoft's own library (adaptivecards 3.0.6), as Teams' renderer does.
// Reads a JSON list of cards on stdin; prints a JSON list, per card: the parser's and the validator's
// messages (unknown types or properties, too many actions for the host config, …) and the number of
// actions in each ActionSet and in the card's own actions.
const AC = require("adaptivecards/dist/adaptivecards.js");

const maxActions = Number(process.argv[2] || 6);
const hostConfig = new AC.HostConfig({ actions: { maxActions } });
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const results = JSON.parse(input).map((json) => {
    const card = new AC.AdaptiveCard();
    card.hostConfig = hostConfig;
    const context = new AC.SerializationContext();
    card.parse(json, context);
    const messages = [];
    for (let i = 0; i < context.eventCount; i++) {
      const event = context.getEventAt(i);
      messages.push(`${AC.ValidationEvent[event.event]}: ${event.message}`);
    }
    const validation = card.validateProperties();
    for (const event of validation.validationEvents) messages.push(`${AC.ValidationEvent[event.event]}: ${event.message}`);
    const actionSets = [card.getActionCount()];
    const walk = (element) => {
      if (element instanceof AC.ActionSet) actionSets.push(element.getActionCount());
      if (element.getItemCount) for (let i = 0; i < element.getItemCount(); i++) walk(element.getItemAt(i));
    };
    for (let i = 0; i < card.getItemCount(); i++) walk(card.getItemAt(i));
    return { messages, actionSets, version: card.version ? card.version.toString() : null, roundTrip: card.toJSON() };
  });
  process.stdout.write(JSON.stringify(results));
});
