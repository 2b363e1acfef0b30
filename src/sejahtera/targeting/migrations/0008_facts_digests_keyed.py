"""A decision review's facts digest becomes keyed (an HMAC under the secret key), so that a
dump does not let anyone recover a household's specific data by trying values
(docs/decisions/0020). A digest whose household's facts have not changed since the review is
recomputed; one whose facts changed is left, and its verdict lapses at the next run as
before. Undone, the same the other way.

It reads the registry through today's ``facts_contents``: a database restored from before it
migrates with the code of its time."""

import hashlib

from django.db import migrations
from django.utils.crypto import salted_hmac


def _plain(content):
    return hashlib.sha256(content.encode()).hexdigest()


def _keyed(content):
    from sejahtera.targeting.reviews import FACTS_SALT

    return salted_hmac(FACTS_SALT, content, algorithm="sha256").hexdigest()


def _redigest(was, becomes):
    def run(apps, schema_editor):
        from sejahtera.targeting.reviews import facts_contents

        DecisionReview = apps.get_model("targeting", "DecisionReview")
        reviews = list(DecisionReview.objects.exclude(facts=""))
        contents = facts_contents(sorted({r.household_id for r in reviews}))
        for review in reviews:
            content = contents.get(review.household_id)
            if content is not None and was(content) == review.facts:
                review.facts = becomes(content)
                review.save(update_fields=["facts"])

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("targeting", "0007_decision_reviews"),
        ("registry", "0015_sealed_specific_data"),
    ]

    operations = [migrations.RunPython(_redigest(_plain, _keyed), _redigest(_keyed, _plain))]
