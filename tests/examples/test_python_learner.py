"""The Python learner (examples/learners/python): its GP and batch promises without a lab, then
whole DBTL campaigns against the real `foundry run` in virtual time on landscape seeds it was not
tuned on (it was tuned on 42). Run by ctest with FOUNDRY set to the built binary."""
import json
import os
import shutil
import sys
import tempfile
import unittest

import numpy as np

SOURCE = os.environ.get("FOUNDRY_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE, "examples", "learners", "python"))

from acquisition import expected_improvement  # noqa: E402
from batch_bayes_opt import BatchBayesOpt  # noqa: E402
from campaign import run_campaign  # noqa: E402
from design_space import DesignSpace  # noqa: E402
from gaussian_process import GaussianProcess  # noqa: E402
from local_backend import LocalFoundryBackend  # noqa: E402
from random_designs import RandomDesigns  # noqa: E402
from workcell import write_seeded_workcell  # noqa: E402

FOUNDRY = os.environ.get("FOUNDRY")


def toy_titer(k):
    return float(np.exp(-0.5 * abs(k[0] - 5) - 0.4 * abs(k[1] - 3) - 0.6 * abs(k[2] - 1)))


class Model(unittest.TestCase):
    def test_gp_interpolates_and_is_surer_near_its_data(self):
        x = np.array([[0, 0, 0], [0, 1, 0], [1, 0, 0], [2, 2, 1]])
        y = np.array([1.0, 2.0, 0.5, 3.0])
        gp = GaussianProcess(3, np.random.default_rng(0))
        gp.noise = 1e-4
        gp.fit(x, y, optimise=False)
        mu, sd = gp.predict(x)
        np.testing.assert_allclose(mu, y, atol=0.01)
        _, far = gp.predict(np.array([[3, 4, 5]]))
        self.assertLess(sd.max(), far[0])

    def test_likelihood_fit_never_worse_than_the_start(self):
        rng = np.random.default_rng(1)
        x = rng.integers(0, 4, size=(20, 3))
        y = (x[:, 0] == 1).astype(float) + 0.05 * rng.standard_normal(20)
        gp = GaussianProcess(3, rng)
        gp.x, gp.z = x, (y - y.mean()) / y.std()
        start = gp.log_marginal_likelihood(gp.theta, gp.noise)
        gp.fit(x, y)
        self.assertGreaterEqual(gp.log_marginal_likelihood(gp.theta, gp.noise), start)
        # The factor that matters gets the shortest length scale (largest theta).
        self.assertEqual(int(np.argmax(gp.theta)), 0)

    def test_expected_improvement_is_positive_and_grows_with_mean_and_uncertainty(self):
        ei = expected_improvement(np.array([0.0, 1.0, 0.0]), np.array([0.1, 0.1, 1.0]), best=0.5)
        self.assertTrue((ei >= 0).all())
        self.assertGreater(ei[1], ei[0])
        self.assertGreater(ei[2], ei[0])

    def check_never_repeats(self, learner, space):
        observed, pending, seen = {}, [], set()
        for round_ in range(8):
            batch = learner.propose(6, observed, pending)
            self.assertEqual(len(batch), 6)
            for k in batch:
                self.assertNotIn(k, seen, f"{space.design_id(k)} proposed twice")
                seen.add(k)
            if round_ % 2 == 0:  # left in the lab: pending for the next round
                pending = batch
            else:
                for k in pending + batch:
                    observed[k] = toy_titer(k)
                pending = []

    def test_gp_learner_never_proposes_a_design_twice_nor_one_measured_or_pending(self):
        space = DesignSpace()
        self.check_never_repeats(BatchBayesOpt(space, seed=3), space)

    def test_random_baseline_never_proposes_a_design_twice(self):
        space = DesignSpace()
        self.check_never_repeats(RandomDesigns(space, seed=3), space)

    def test_gp_learner_beats_random_on_a_smooth_landscape(self):
        space = DesignSpace()
        optimum = toy_titer((5, 3, 1))

        def found(learner):
            observed = {}
            for _ in range(5):
                for k in learner.propose(6, observed):
                    observed[k] = toy_titer(k)
            return max(observed.values()) == optimum

        gp = sum(found(BatchBayesOpt(space, seed=s)) for s in range(1, 6))
        rnd = sum(found(RandomDesigns(space, seed=s)) for s in range(1, 6))
        self.assertGreaterEqual(gp, 4)
        self.assertGreater(gp, rnd)

    def test_design_ids_are_unique_and_usable_as_step_groups(self):
        space = DesignSpace()
        ids = {space.design_id(k) for k in space.all_indices()}
        self.assertEqual(len(ids), space.size)
        self.assertFalse(any("/" in i for i in ids))
        self.assertEqual(space.to_design((0, 4, 2)), {"id": "p0r4g2", "promoter": "J23100", "rbs": "B0034", "gene": "var3"})


@unittest.skipUnless(FOUNDRY and os.path.exists(FOUNDRY), "needs FOUNDRY=<built foundry binary>")
class Campaign(unittest.TestCase):
    def setUp(self):
        # The store fsyncs every commit: scratch databases in memory keep the test quick.
        self.dir = tempfile.mkdtemp(prefix="foundry-pylearner-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        self.space = DesignSpace()

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def backend(self, seed, name, params=()):
        workcell = write_seeded_workcell(os.path.join(SOURCE, "protocols/workcells/sim-foundry.json"), seed, self.dir)
        return LocalFoundryBackend(FOUNDRY, os.path.join(SOURCE, "protocols/dbtl-campaign.json"), workcell,
                                   os.path.join(self.dir, name + ".db"), extra_params=params)

    def test_improves_on_the_first_cycle_on_unseen_landscapes(self):
        for seed in (7, 2026):
            result = run_campaign(BatchBayesOpt(self.space, seed=1), self.backend(seed, f"gp{seed}"), self.space, 5, 4)
            best = [h["best"] for h in result["history"]]
            self.assertEqual(len(best), 5)
            self.assertEqual(best, sorted(best))
            self.assertGreater(best[-1], best[0], f"seed {seed}: {best}")
            self.assertEqual(len(result["proposed"]), len(set(result["proposed"])))

    def test_batches_designed_while_others_are_in_the_lab_never_repeat_a_design(self):
        result = run_campaign(BatchBayesOpt(self.space, seed=2), self.backend(1234, "pipelined"), self.space, 5, 4,
                              in_flight=2)
        self.assertEqual(len(result["proposed"]), 20)
        self.assertEqual(len(result["proposed"]), len(set(result["proposed"])))
        self.assertGreater(result["history"][-1]["best"], result["history"][0]["best"])

    def test_seeded_workcell_gives_every_device_the_seed(self):
        path = write_seeded_workcell(os.path.join(SOURCE, "protocols/workcells/sim-foundry.json"), 99, self.dir)
        devices = json.load(open(path))["devices"]
        self.assertTrue(devices)
        self.assertTrue(all(d["driver"]["settings"]["landscape_seed"] == 99 for d in devices))

    def test_a_refused_run_fails_with_foundrys_message(self):
        backend = self.backend(7, "refused", params=["reactor=bioreactor_9l"])
        ticket = backend.submit_designs([self.space.to_design((0, 0, 0))])
        with self.assertRaisesRegex(RuntimeError, "bioreactor_9l"):
            backend.wait_results(ticket)


if __name__ == "__main__":
    unittest.main()
